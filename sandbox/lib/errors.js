'use strict';
const { GraphQLError } = require('graphql');

/** An error a resolver raises; becomes an AppSync-style entry with errorType. */
class ResolverError extends GraphQLError {
  constructor(errorType, message) {
    super(message);
    this.errorType = errorType;
  }
}

/** A problem AppSync reports during validation (whole response data: null, no errorType). */
class ValidationFailure extends GraphQLError {
  constructor(kind, message) {
    super(`Validation error of type ${kind}: ${message}`);
    this.validationKind = kind;
  }
}

const notFound = () => new ResolverError('MoveNotFoundError', 'Resource not found in move-ugc-api.');
const badRequest = (message) => new ResolverError('BadRequestException', message);

module.exports = { ResolverError, ValidationFailure, notFound, badRequest };
