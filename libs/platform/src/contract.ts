import { ContractValidator, loadContract } from '../../resource-kit/src/contract-validator';

/** Platform 2.7.1 definitions as the server validates requests. */
export const platformContract = new ContractValidator(loadContract('platform').definitions);
