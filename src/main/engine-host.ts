/**
 * The engine process (Electron utilityProcess): owns the core — library database, model, jobs —
 * so heavy work runs off the main process's event loop. Speaks the contract over its parent port.
 */
import { createEngineApi } from '../core/app/api.js';
import { serveRpc, type RpcReply, type RpcRequest } from '../core/transport/rpc.js';

const port = process.parentPort;
const post = (m: RpcReply) => port.postMessage(m);
const api = createEngineApi({
  dataDir: process.env.GLIMPSE_DATA_DIR,
  reveal: (path) => post({ type: 'reveal', path }),
  watch: true,
});
const handle = serveRpc(api, post);
port.on('message', (e) => handle(e.data as RpcRequest));
process.on('exit', () => api.close());
