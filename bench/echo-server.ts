// The benchmark's "free" server: answers every request frame with the same precomputed get reply,
// reading nothing past the 8-byte proto headers. It does a fraction of a client's work per request
// (no decoding, one write per batch of requests that arrived together), so in the CPU-per-op
// scenarios the client, not the server, is the bottleneck. Reports its port over IPC; benchmark support only.

import { createServer, type Socket } from 'node:net';
import { ParticleType } from '../lib/protocol/constants';
import { asMsgReplyFrame, encodeReplyRecord } from '../lib/testing/simulated-reply';

const HEADER = 8;

/** The shape of the bench-get record: an integer `n` and a 100-byte blob `data`. */
const REPLY = asMsgReplyFrame(
  [
    encodeReplyRecord({
      generation: 1,
      bins: [
        ['n', { particleType: ParticleType.INTEGER, bytes: Buffer.alloc(8) }],
        ['data', { particleType: ParticleType.BLOB, bytes: Buffer.alloc(100, 0x61) }],
      ],
    }),
  ],
  false,
);

/** REPLIES[n - 1] answers n requests that arrived together, in one write. */
const REPLIES = Array.from({ length: 64 }, (_, i) => Buffer.concat(Array<Buffer>(i + 1).fill(REPLY)));

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  const header = Buffer.alloc(HEADER);
  let headerFill = 0;
  let bodyLeft = 0;
  socket.on('data', (chunk: Buffer) => {
    let complete = 0;
    let offset = 0;
    while (offset < chunk.length) {
      if (bodyLeft > 0) {
        const take = Math.min(bodyLeft, chunk.length - offset);
        bodyLeft -= take;
        offset += take;
        if (bodyLeft === 0) complete++;
        continue;
      }
      const take = Math.min(HEADER - headerFill, chunk.length - offset);
      chunk.copy(header, headerFill, offset, offset + take);
      headerFill += take;
      offset += take;
      if (headerFill < HEADER) break;
      headerFill = 0;
      bodyLeft = header.readUInt16BE(2) * 2 ** 32 + header.readUInt32BE(4);
      if (bodyLeft === 0) complete++;
    }
    for (; complete > 0; complete -= REPLIES.length) socket.write(REPLIES[Math.min(complete, REPLIES.length) - 1]!);
  });
  socket.on('error', () => socket.destroy());
}

const server = createServer(serve).listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
