/**
 * Electron entry. It only wires: a hardened window, the single-instance lock, and one IPC handler
 * per contract method that forwards to the core. No logic lives here.
 */
import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import { join } from 'node:path';
import { createEngineApi } from './core/api.js';
import { methods, type MethodName } from '../shared/contract.js';
import { ipcChannel } from '../shared/ipc.js';

const CSP = "default-src 'self'; img-src 'self' glimpse-photo: data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'";

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
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
  else void win.loadFile(join(__dirname, '../renderer/index.html'));
  return win;
}

function registerIpc(): void {
  const api = createEngineApi();
  for (const name of Object.keys(methods) as MethodName[]) {
    // Inputs are validated by the core against the contract's zod schema; errors return as data.
    ipcMain.handle(ipcChannel(name), (_event, input: unknown) => (api[name] as (i: unknown) => Promise<unknown>)(input));
  }
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
    registerIpc();
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
