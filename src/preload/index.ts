/**
 * The preload bridge: exposes one named function per contract method, typed from the contract.
 * There is deliberately no generic send(channel, …): the renderer can call only these.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { GlimpseApi, Input, MethodName, Outputs, Result } from '../shared/contract.js';
import { ipcChannel } from '../shared/ipc.js';

const call = <K extends MethodName>(name: K) => (input: Input<K>): Promise<Result<Outputs[K]>> => ipcRenderer.invoke(ipcChannel(name), input);

const bridge: GlimpseApi = {
  backend: call('backend'),
  train: call('train'),
  evaluate: call('evaluate'),
  finetune: call('finetune'),
  index: call('index'),
  search: call('search'),
  similar: call('similar'),
  caption: call('caption'),
  status: call('status'),
  removeRoot: call('removeRoot'),
};

contextBridge.exposeInMainWorld('glimpse', bridge);
