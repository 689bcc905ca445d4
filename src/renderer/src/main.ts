import { mount } from 'svelte';
import App from './App.svelte';
import { takeToken } from './api';

// Web mode: keep the token from the printed URL, then drop it from the address bar.
if (!window.glimpse) takeToken();

mount(App, { target: document.getElementById('app')! });
