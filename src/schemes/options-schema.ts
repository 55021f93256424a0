// A scheme's options schema as the core validates it: the scheme's own, plus the common options
// it declares (`commonOptions: 'database'`), so that every database scheme spells them alike.
import type {JsonSchema, SchemeDefinition} from '../scheme.js'

const nonEmpty = {type: 'string', minLength: 1}

/** database | databases, user, password, extra_args (see DatabaseOptions in src/scheme.ts). */
const DATABASE_OPTIONS_SCHEMA = {
  properties: {
    database: nonEmpty,
    databases: {type: 'array', minItems: 1, uniqueItems: true, items: nonEmpty},
    user: nonEmpty,
    password: {type: 'string'},
    extra_args: {type: 'array', items: {type: 'string'}},
  },
  // Exactly one of the two; PlanContext.databases repeats the check with a plainer message.
  oneOf: [{required: ['database']}, {required: ['databases']}],
} satisfies JsonSchema

export function optionsSchemaOf(scheme: Pick<SchemeDefinition, 'optionsSchema' | 'commonOptions'>): JsonSchema {
  if (scheme.commonOptions !== 'database') return scheme.optionsSchema
  const {oneOf, ...own} = scheme.optionsSchema
  return {
    ...own,
    properties: {...DATABASE_OPTIONS_SCHEMA.properties, ...(own.properties as object | undefined)},
    // A scheme's own oneOf (if any) must hold as well as the database/databases choice.
    ...(oneOf === undefined ? {oneOf: DATABASE_OPTIONS_SCHEMA.oneOf} : {allOf: [{oneOf: DATABASE_OPTIONS_SCHEMA.oneOf}, {oneOf}]}),
  }
}
