// Starts receiver-child.js in its own process, so that the sender under test and the
// receiver do not share one event loop (pinned to BENCH_SANDBOX_CPU, like the sandbox).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./receiver-child.js', import.meta.url));

export async function startReceiverProcess() {
  const pin = process.env.BENCH_SANDBOX_CPU;
  const stdio = ['ignore', 'inherit', 'inherit', 'ipc'];
  // The IPC channel is the receiver's tie to this process: it exits when the channel closes.
  const child = pin ? spawn('taskset', ['-c', pin, process.execPath, CHILD], { stdio }) : spawn(process.execPath, [CHILD], { stdio });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`the receiver exited with ${code} before listening`)));
  });
  child.channel?.unref();
  return {
    url: `http://127.0.0.1:${port}`,
    /** How many deliveries it has answered so far. */
    received: () =>
      new Promise((resolve) => {
        // Referenced while the answer is awaited: an unreferenced channel would let Node end the benchmark mid-await.
        child.channel?.ref();
        child.once('message', (message) => {
          child.channel?.unref();
          resolve(message.received);
        });
        child.send('count');
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.disconnect();
      }),
  };
}
