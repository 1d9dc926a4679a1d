/**
 * Entry point of the segmentation editor's webview: builds the UI and connects the editor to the
 * extension host's typed message channel.
 */
import './editor.css';
import { EditorToHost, HostToEditor } from '../../core/protocol';
import { createChannel } from '../vscodeApi';
import { Editor } from './editor';
import { buildUi } from './ui';

buildUi(document.getElementById('app')!);
let editor: Editor | undefined;
const channel = createChannel<EditorToHost, HostToEditor>((message) => void editor?.onMessage(message));
editor = new Editor((message) => channel.post(message));
channel.post({ type: 'ready' });
