/**
 * Tests that need PostgreSQL or Redis run when DATABASE_URL / REDIS_URL are set. Under CI=true a
 * missing one is a failure, never a silent skip.
 */
export const serviceUrl = (name: 'DATABASE_URL' | 'REDIS_URL'): string | undefined => {
  const url = process.env[name];
  if (!url && process.env.CI === 'true') {
    throw new Error(`${name} is not set but CI=true: tests that need it must run in CI`);
  }
  return url;
};

let counter = 0;
/** A fresh schema name per test store so parallel test files never share tables. */
export const uniqueSchema = (prefix: string): string =>
  `${prefix}_${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}`;
