/**
 * Electron entry. It only wires: a hardened window, the single-instance lock, the engine in a
 * utilityProcess (so indexing and training never freeze the window), one IPC handler per contract
 * method forwarded to it, and the glimpse: photo protocol. No logic lives here.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  net,
  protocol,
  session,
  shell,
  utilityProcess,
  type UtilityProcess,
} from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { methods, type MethodName, type Result, type SettingsOutput } from '../shared/contract.js';
import { ipcChannel, PICK_FOLDER_CHANNEL, PROGRESS_CHANNEL } from '../shared/ipc.js';
import { RpcClient, type RpcReply } from '../core/transport/rpc.js';
import { resolveMedia } from '../core/transport/media.js';
import { cachedRoots } from '../core/transport/roots.js';

const here = dirname(fileURLToPath(import.meta.url));
const CSP =
  "default-src 'self'; img-src 'self' glimpse: data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'";

// Must happen before "ready": glimpse://media/… serves thumbnails and originals to the renderer.
protocol.registerSchemesAsPrivileged([
  { scheme: 'glimpse', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  // No navigation away from the app and no new windows; external links open in the browser.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(join(here, '../renderer/index.html'));
  return win;
}

/** The engine process; restarted if it dies, with open calls answered by an error. */
function startEngine(): RpcClient {
  let child: UtilityProcess;
  const client = new RpcClient((m) => child.postMessage(m));
  const spawn = () => {
    // Capped malloc arenas: the engine and its embedding threads otherwise hold far more RSS.
    child = utilityProcess.fork(join(here, 'engine-host.js'), [], {
      serviceName: 'Glimpse engine',
      env: { MALLOC_ARENA_MAX: '2', ...process.env },
    });
    child.on('message', (m: RpcReply) => {
      if (m.type === 'reveal') shell.showItemInFolder(m.path);
      else client.receive(m);
    });
    child.on('exit', (code) => {
      client.failAll(`the Glimpse engine stopped (exit code ${code}); it has been restarted, try again`);
      if (!quitting) spawn();
    });
  };
  spawn();
  return client;
}

let quitting = false;

function registerIpc(engine: RpcClient): void {
  for (const name of Object.keys(methods) as MethodName[]) {
    // Inputs are validated by the engine against the contract's zod schema; errors return as data.
    ipcMain.handle(ipcChannel(name), (event, input: unknown, callId: unknown) =>
      engine.call(name, input, (p) => {
        if (!event.sender.isDestroyed()) event.sender.send(PROGRESS_CHANNEL, callId, p);
      }),
    );
  }
  ipcMain.handle(PICK_FOLDER_CHANNEL, async (event) => {
    const win = BrowserWindow.fromWebContents(event.sender);
    const r = win
      ? await dialog.showOpenDialog(win, { properties: ['openDirectory'] })
      : await dialog.showOpenDialog({ properties: ['openDirectory'] });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
}

function registerPhotoProtocol(engine: RpcClient, dataDir: string): void {
  const currentRoots = cachedRoots(async () => (await engine.call('settings', {})) as Result<SettingsOutput>);
  protocol.handle('glimpse', async (req) => {
    const url = new URL(req.url);
    if (url.host !== 'media') return new Response('not found', { status: 404 });
    const m = resolveMedia(url.pathname, url.searchParams, { dataDir, roots: await currentRoots() });
    return m.ok ? net.fetch(pathToFileURL(m.file).toString()) : new Response(m.message, { status: m.status });
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  void app.whenReady().then(() => {
    process.env.GLIMPSE_DATA_DIR ??= app.getPath('userData');
    session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
      cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
    });
    const engine = startEngine();
    registerIpc(engine);
    registerPhotoProtocol(engine, process.env.GLIMPSE_DATA_DIR);
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
