import {deepStrictEqual} from 'node:assert/strict'

import {projectsFromLabels} from '../../../src/config/compose/discover.js'

const labels = (project: string | undefined, workingDir?: string, configFiles?: string) => ({
  labels: {
    ...(project === undefined ? {} : {'com.docker.compose.project': project}),
    ...(workingDir === undefined ? {} : {'com.docker.compose.project.working_dir': workingDir}),
    ...(configFiles === undefined ? {} : {'com.docker.compose.project.config_files': configFiles}),
    'com.docker.compose.service': 'x',
  },
})

describe('projectsFromLabels', () => {
  it('groups containers by project and sorts the projects by name', () => {
    const projects = projectsFromLabels([
      labels('shop', '/srv/shop', '/srv/shop/compose.yaml'),
      labels('blog', '/srv/blog', '/srv/blog/docker-compose.yml'),
      labels('shop', '/srv/shop', '/srv/shop/compose.yaml'),
    ])
    deepStrictEqual(projects, [
      {name: 'blog', workingDir: '/srv/blog', configFiles: ['/srv/blog/docker-compose.yml']},
      {name: 'shop', workingDir: '/srv/shop', configFiles: ['/srv/shop/compose.yaml']},
    ])
  })

  it('splits several config files and resolves relative ones against the working directory, as Compose v1 wrote them', () => {
    deepStrictEqual(projectsFromLabels([labels('app', '/srv/app', 'docker-compose.yml, ./prod.yml,/etc/extra.yml')]), [
      {name: 'app', workingDir: '/srv/app', configFiles: ['/srv/app/docker-compose.yml', '/srv/app/prod.yml', '/etc/extra.yml']},
    ])
  })

  it('keeps each config file once even when containers list them differently', () => {
    deepStrictEqual(projectsFromLabels([labels('app', '/srv/app', 'compose.yaml'), labels('app', '/srv/app', '/srv/app/compose.yaml,/srv/app/b.yaml')]), [
      {name: 'app', workingDir: '/srv/app', configFiles: ['/srv/app/compose.yaml', '/srv/app/b.yaml']},
    ])
  })

  it('ignores containers without the project label', () => {
    deepStrictEqual(projectsFromLabels([labels(undefined, '/x', '/x/compose.yaml'), {labels: {}}]), [])
  })

  it('copes with a project whose containers lack the working directory or config files labels', () => {
    deepStrictEqual(projectsFromLabels([labels('bare'), labels('bare', '/srv/bare')]), [{name: 'bare', workingDir: '/srv/bare', configFiles: []}])
  })
})
