/** Status helpers that admission hooks throw. Re-exported by index.ts. */

export { badRequest, conflict, invalid, KubeApiError, notFound } from './status.ts';
export { forbiddenField, invalidValue, required } from './validation.ts';
