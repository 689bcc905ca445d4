/**
 * The preload bridge: exposes one named function per contract method, typed from the contract.
 * There is deliberately no generic send(channel, …): the renderer can call only these.
 * Each call is numbered so its progress events reach the caller's onProgress; cancelling goes
 * through the contract's cancelJob (an AbortSignal can't cross the context bridge).
 */
import { contextBridge, ipcRenderer } from 'electron';
import type {
  CallOptions,
  DesktopBridge,
  GlimpseApi,
  Input,
  MethodName,
  Outputs,
  Progress,
  Result,
} from '../shared/contract.js';
import { ipcChannel, PICK_FOLDER_CHANNEL, PROGRESS_CHANNEL } from '../shared/ipc.js';

let seq = 0;
const listeners = new Map<number, (p: Progress) => void>();
ipcRenderer.on(PROGRESS_CHANNEL, (_event, callId: number, p: Progress) => listeners.get(callId)?.(p));

const call =
  <K extends MethodName>(name: K) =>
  async (input: Input<K>, opts?: CallOptions): Promise<Result<Outputs[K]>> => {
    const id = ++seq;
    if (opts?.onProgress) listeners.set(id, opts.onProgress);
    try {
      return (await ipcRenderer.invoke(ipcChannel(name), input, id)) as Result<Outputs[K]>;
    } finally {
      listeners.delete(id);
    }
  };

const bridge: GlimpseApi = {
  backend: call('backend'),
  train: call('train'),
  evaluate: call('evaluate'),
  finetune: call('finetune'),
  index: call('index'),
  search: call('search'),
  similar: call('similar'),
  caption: call('caption'),
  ocr: call('ocr'),
  status: call('status'),
  removeRoot: call('removeRoot'),
  folderUserData: call('folderUserData'),
  rebuildIndex: call('rebuildIndex'),
  browse: call('browse'),
  photo: call('photo'),
  albums: call('albums'),
  createAlbum: call('createAlbum'),
  updateAlbum: call('updateAlbum'),
  deleteAlbum: call('deleteAlbum'),
  addToAlbum: call('addToAlbum'),
  removeFromAlbum: call('removeFromAlbum'),
  setCaption: call('setCaption'),
  finetuneAlbums: call('finetuneAlbums'),
  model: call('model'),
  adoptModel: call('adoptModel'),
  discardModel: call('discardModel'),
  revertModel: call('revertModel'),
  exportModel: call('exportModel'),
  importModel: call('importModel'),
  importVsepp: call('importVsepp'),
  importOnnx: call('importOnnx'),
  jobs: call('jobs'),
  cancelJob: call('cancelJob'),
  settings: call('settings'),
  updateSettings: call('updateSettings'),
  reveal: call('reveal'),
  people: call('people'),
  updatePerson: call('updatePerson'),
  mergePeople: call('mergePeople'),
  personFaces: call('personFaces'),
  assignFace: call('assignFace'),
  setCover: call('setCover'),
  regroupPeople: call('regroupPeople'),
  places: call('places'),
  timeline: call('timeline'),
  mapPoints: call('mapPoints'),
};

const desktop: DesktopBridge = {
  pickFolder: () => ipcRenderer.invoke(PICK_FOLDER_CHANNEL) as Promise<string | null>,
};

contextBridge.exposeInMainWorld('glimpse', bridge);
contextBridge.exposeInMainWorld('glimpseDesktop', desktop);
