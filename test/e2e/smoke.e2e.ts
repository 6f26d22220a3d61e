import { startTestServer, TestServer } from '../support/app';

describe('smoke', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  it('answers GET /api/v1/status with 200 while the database answers', async () => {
    const res = await server.http.get('/api/v1/status');
    expect(res.status).toBe(200);
  });
});
