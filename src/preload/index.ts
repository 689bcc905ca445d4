/**
 * The preload bridge: exposes one named function per contract method, typed from the contract.
 * There is deliberately no generic send(channel, …): the renderer can call only these.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { GlimpseApi, Input } from '../shared/contract.js';
import { ipcChannel } from '../shared/ipc.js';

const bridge: GlimpseApi = {
  backend: (input: Input<'backend'>) => ipcRenderer.invoke(ipcChannel('backend'), input),
  train: (input: Input<'train'>) => ipcRenderer.invoke(ipcChannel('train'), input),
  evaluate: (input: Input<'evaluate'>) => ipcRenderer.invoke(ipcChannel('evaluate'), input),
  finetune: (input: Input<'finetune'>) => ipcRenderer.invoke(ipcChannel('finetune'), input),
};

contextBridge.exposeInMainWorld('glimpse', bridge);
