import { ContractValidator, loadContract } from '../../libs/resource-kit/src/contract-validator';

// The real 2.7.1 definitions, unmodified: every response the e2e suites get is checked against them.
export const appManagerContract = new ContractValidator(loadContract('appmanager').definitions);
export const platformContract = new ContractValidator(loadContract('platform').definitions);

export function expectAppManagerShape(definition: string, body: unknown): void {
  const errors = appManagerContract.validate(definition, body);
  if (errors.length) throw new Error(`response does not match ${definition}: ${JSON.stringify(errors)}\n${JSON.stringify(body)}`);
}

export function expectPlatformShape(definition: string, body: unknown): void {
  const errors = platformContract.validate(definition, body);
  if (errors.length) throw new Error(`response does not match ${definition}: ${JSON.stringify(errors)}\n${JSON.stringify(body)}`);
}
