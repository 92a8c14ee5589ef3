'use strict';
/**
 * The GraphQL engine: builds the executable schema from schema.graphql with
 * AppSync's scalars, caches parsed and validated documents by query text, runs
 * operations and shapes errors the way AppSync does.
 */
const fs = require('node:fs');
const path = require('node:path');
const { GraphQLSchema, buildSchema, parse, validate, execute, getOperationAST, Kind, GraphQLError } = require('graphql');
const { ResolverError, ValidationFailure } = require('./errors');

const SCHEMA_FILE = path.join(__dirname, '..', 'schema.graphql');
const CACHE_SIZE = 500;
const EXTRA_DIRECTIVES = new Set(['specifiedBy', 'oneOf']);

function invalid(message) {
  return new GraphQLError(message);
}

const SCALARS = {
  AWSJSON: {
    serialize: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
    parseValue(v) {
      if (typeof v !== 'string') throw invalid('AWSJSON values must be strings holding JSON.');
      try {
        return JSON.stringify(JSON.parse(v));
      } catch {
        throw invalid(`Unable to parse ${JSON.stringify(v)} as valid JSON.`);
      }
    },
    literal: Kind.STRING,
  },
  AWSDateTime: {
    serialize: String,
    parseValue(v) {
      if (typeof v !== 'string' || !/^-?\d{4,}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d(:\d\d)?)$/.test(v)) {
        throw invalid('AWSDateTime values look like 2023-07-10T12:13:56.615715Z.');
      }
      return v;
    },
    literal: Kind.STRING,
  },
  AWSURL: {
    serialize: String,
    parseValue(v) {
      let ok = typeof v === 'string';
      try { ok = ok && Boolean(new URL(v).protocol) && !/[^:]\/\//.test(new URL(v).pathname); } catch { ok = false; }
      if (!ok) throw invalid('AWSURL values are absolute URLs with a scheme.');
      return v;
    },
    literal: Kind.STRING,
  },
};

/** Build the schema and attach scalars and resolvers ({ Type: { field: fn } }). */
function makeSchema(resolvers) {
  const built = buildSchema(fs.readFileSync(SCHEMA_FILE, 'utf8'));
  // AppSync does not announce graphql-js's newer built-ins (@specifiedBy, @oneOf).
  const config = built.toConfig();
  const schema = new GraphQLSchema({ ...config, directives: config.directives.filter((d) => !EXTRA_DIRECTIVES.has(d.name)) });
  for (const [name, impl] of Object.entries(SCALARS)) {
    const type = schema.getType(name);
    type.serialize = impl.serialize;
    type.parseValue = impl.parseValue;
    type.parseLiteral = (ast) => {
      if (ast.kind !== impl.literal) throw invalid(`${name} literals must be strings.`);
      return impl.parseValue(ast.value);
    };
  }
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!type) throw new Error(`resolvers for unknown type ${typeName}`);
    if (fields.__resolveType) { type.resolveType = fields.__resolveType; continue; }
    const defs = type.getFields();
    for (const [field, fn] of Object.entries(fields)) {
      if (!defs[field]) throw new Error(`resolver for unknown field ${typeName}.${field}`);
      defs[field].resolve = fn;
    }
  }
  const byTypename = (obj) => obj.__typename;
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.constructor.name === 'GraphQLInterfaceType' && !type.name.startsWith('__') && !type.resolveType) {
      type.resolveType = byTypename;
    }
  }
  return schema;
}

/** AppSync-like kind for a graphql-js validation message. */
const KIND_PATTERNS = [
  [/^Cannot query field/, 'FieldUndefined'],
  [/^Unknown argument/, 'UnknownArgument'],
  [/^Unknown type/, 'UnknownType'],
  [/argument .* is required, but it was not provided/, 'MissingFieldArgument'],
  [/must not have a selection/, 'SubSelectionNotAllowed'],
  [/must have a selection of subfields/, 'SubSelectionRequired'],
  [/^Variable ".*" is not defined/, 'UndefinedVariable'],
  [/^Variable ".*" is never used/, 'UnusedVariable'],
  [/used in position expecting type/, 'VariableTypeMismatch'],
  [/cannot be non-input type/, 'NonInputTypeOnVariable'],
  [/^Unknown fragment/, 'UndefinedFragment'],
  [/^Fragment ".*" is never used/, 'UnusedFragment'],
  [/^Unknown directive/, 'UnknownDirective'],
  [/^Directive ".*" may not be used/, 'MisplacedDirective'],
  [/^Unknown operation named/, 'UnknownOperation'],
  [/^There can be only one operation named/, 'DuplicateOperationName'],
  [/^This anonymous operation must be the only/, 'LoneAnonymousOperationViolation'],
  [/conflict because/, 'FieldsConflict'],
  [/^Fragment .* cannot be spread here/, 'InvalidFragmentType'],
  [/^Must provide operation name/, 'UnknownOperation'],
];

function validationKind(message) {
  for (const [re, kind] of KIND_PATTERNS) if (re.test(message)) return kind;
  return 'WrongType';
}

const locationsOf = (e) => (e.locations || []).map(({ line, column }) => ({ line, column, sourceName: null }));

function validationEntry(e, kind) {
  const message = e.validationKind ? e.message : `Validation error of type ${kind || validationKind(e.message)}: ${e.message}`;
  return { message, locations: locationsOf(e) };
}

function resolverEntry(e) {
  const orig = e.originalError;
  const errorType = orig instanceof ResolverError ? orig.errorType : 'InternalFailure';
  return { path: e.path, data: null, errorType, errorInfo: null, locations: locationsOf(e), message: e.message };
}

class Engine {
  constructor(schema) {
    this.schema = schema;
    this.cache = new Map();
  }

  /** Parsed and validated document for a query text: { document, errors, names }. */
  prepare(query) {
    let entry = this.cache.get(query);
    if (entry) {
      this.cache.delete(query);
      this.cache.set(query, entry);
      return entry;
    }
    let document = null;
    let errors = null;
    try {
      document = parse(query);
    } catch (e) {
      errors = [validationEntry(e, 'InvalidSyntax')];
    }
    if (document) {
      const found = validate(this.schema, document);
      if (found.length) errors = found.map((e) => validationEntry(e));
    }
    const names = document ? document.definitions
      .filter((d) => d.kind === Kind.OPERATION_DEFINITION).map((d) => (d.name ? d.name.value : null)) : [];
    entry = { document, errors, names };
    this.cache.set(query, entry);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value);
    return entry;
  }

  /** Run a request body ({query, variables, operationName}); returns { body, operation }. */
  async run(request, contextValue) {
    const { query, variables, operationName } = request;
    const prepared = this.prepare(query);
    const operation = operationName || (prepared.names.length === 1 ? prepared.names[0] : null);
    if (prepared.errors) return { body: { data: null, errors: prepared.errors }, operation };
    if (operationName != null && typeof operationName !== 'string') {
      return { body: { data: null, errors: [{ message: 'Validation error of type UnknownOperation: operationName must be a string', locations: [] }] }, operation: null };
    }
    if (!getOperationAST(prepared.document, operationName || undefined)) {
      const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
      return { body: { data: null, errors: [validationEntry({ message }, 'UnknownOperation')] }, operation };
    }
    const result = await execute({
      schema: this.schema,
      document: prepared.document,
      variableValues: variables && typeof variables === 'object' ? variables : undefined,
      operationName: operationName || undefined,
      contextValue,
    });
    if (!('data' in result)) {
      return { body: { data: null, errors: result.errors.map((e) => validationEntry(e, 'WrongType')) }, operation };
    }
    if (!result.errors) return { body: { data: result.data }, operation };
    const failures = result.errors.filter((e) => e.originalError instanceof ValidationFailure);
    if (failures.length) {
      return { body: { data: null, errors: failures.map((e) => ({ message: e.message, locations: locationsOf(e) })) }, operation };
    }
    return { body: { data: result.data, errors: result.errors.map(resolverEntry) }, operation };
  }
}

module.exports = { Engine, makeSchema };
