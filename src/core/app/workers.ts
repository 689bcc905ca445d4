/** Front ends that host the app in a worker thread start it the way the engine starts its own. */
export { startModuleWorker } from '../engine/workers.js';
