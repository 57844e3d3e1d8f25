// The PostgreSQL run of the store suite: openTestStore opens PostgreSQL stores.
// Never skipped: without a database the run fails and says how to get one.
if (!process.env.ROTA_TEST_POSTGRES_URL) {
  throw new Error(
    'ROTA_TEST_POSTGRES_URL is not set: run the tests through the README test command (it starts a throwaway PostgreSQL cluster), or point it at a database the tests may create schemas in',
  );
}
process.env.ROTA_TEST_STORE = 'postgres';
