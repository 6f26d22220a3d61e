/** `npm run test:reliability`: crash, database outage, hostile input and load (test/reliability/*.rel.ts), same PostgreSQL setup as jest.config.js. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testMatch: ['**/test/reliability/*.rel.ts'],
  testTimeout: 180000,
};
