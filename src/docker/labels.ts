// The labels Compose (v1 and v2) puts on the containers it creates: how backupbot finds a
// project's containers on the engine, and the projects themselves with --discover.
export const PROJECT_LABEL = 'com.docker.compose.project'
export const SERVICE_LABEL = 'com.docker.compose.service'
/** `True` on `docker compose run` containers, which carry the service label but are not the service. */
export const ONEOFF_LABEL = 'com.docker.compose.oneoff'
export const WORKING_DIR_LABEL = 'com.docker.compose.project.working_dir'
export const CONFIG_FILES_LABEL = 'com.docker.compose.project.config_files'
