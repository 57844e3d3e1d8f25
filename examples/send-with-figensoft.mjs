// node examples/send-with-figensoft.mjs — after a build, with the FigenSoft sandbox
// running (the main job starts it on port 8090; FIGENSOFT_API_URL points elsewhere).
// Against the real FigenSoft: your accounts, and no customApiActive/customApiUrl.
import { createRouter } from '@rota/core';
import { createFigenSoftProvider } from '@rota/figensoft';

const customApiUrl = process.env.FIGENSOFT_API_URL ?? 'http://127.0.0.1:8090/api_json';
const figensoft = createFigenSoftProvider({ accounts: [
  { username: 'rota-notify', password: 'sandbox-notify-secret', smsIysMessageType: 'NOTIFICATION', senderList: ['ROTA'], customApiActive: true, customApiUrl },
  { username: 'rota-campaign', password: 'sandbox-campaign-secret', smsIysMessageType: 'CAMPAIGN', senderList: ['ROTA'], customApiActive: true, customApiUrl },
] });
const router = createRouter({ providers: [{ provider: figensoft, rank: 3 }] });
try {
  const result = await router.send({ to: '0532 123 45 67', text: 'Kodunuz: 4711', iysType: 'NOTIFICATION' });
  // result.status: 'accepted' | 'rejected' | 'failed' | 'unknown', with result.attempts (the trail)
  console.log(JSON.stringify(result, null, 2));
} finally {
  // The caller owns the providers: the router does not close them.
  await router.close();
  await figensoft.close();
}
