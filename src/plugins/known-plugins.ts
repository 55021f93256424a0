// First-party scheme types and the package that provides each, so that a config naming a
// scheme that is not installed can say what to install.
export const KNOWN_SCHEME_PACKAGES: Readonly<Record<string, string>> = {
  backup_host_directories: '@backupbot/plugin-host-directories',
  backup_volume: '@backupbot/plugin-volumes',
  backup_volumes: '@backupbot/plugin-volumes',
  backup_mysql: '@backupbot/plugin-mysql',
  backup_postgres: '@backupbot/plugin-postgres',
}
