// The metric names of the metrics file (README "Notifications and metrics"), defined once: the
// file is written with them and the last success is read back by them.
export const METRIC = {
  runLast: 'backupbot_run_last_timestamp_seconds',
  runLastSuccess: 'backupbot_run_last_success_timestamp_seconds',
  runDuration: 'backupbot_run_duration_seconds',
  runStatus: 'backupbot_run_status',
  runExitCode: 'backupbot_run_exit_code',
  itemBytes: 'backupbot_item_bytes',
  itemDuration: 'backupbot_item_duration_seconds',
  itemDowntime: 'backupbot_item_downtime_seconds',
  itemStatus: 'backupbot_item_status',
  itemLastSuccess: 'backupbot_item_last_success_timestamp_seconds',
} as const
