import { render } from 'preact';
import { pickPhoneApi } from './api/pick-api.js';
import { App } from './App.js';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App api={pickPhoneApi()} />, root);
