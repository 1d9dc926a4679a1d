/** The HTML shell of every webview: a strict Content-Security-Policy with a fresh nonce per page. */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export interface WebviewPage {
  title: string;
  /** Script in dist/webview/, e.g. 'editor.js'. */
  script: string;
  /** Stylesheets in dist/webview/ or media/. */
  styles: string[];
  /** Load the codicon font (dist/webview/codicons), for vscode-elements icons. */
  codicons?: boolean;
  body: string;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (p: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, p)).toString();
  // Images may also be blob: (decoded masks) and data: (small icons); no remote origin is allowed.
  // style-src needs 'unsafe-inline' only for the style attributes that the UI toolkit's components set.
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} blob: data:`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `font-src ${webview.cspSource}`,
    `worker-src ${webview.cspSource} blob:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
${page.codicons ? `<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${asset('dist/webview/codicons/codicon.css')}">` : ''}
${page.styles.map((s) => `<link rel="stylesheet" href="${asset(s)}">`).join('\n')}
</head>
<body>
${page.body}
<script nonce="${nonce}" src="${asset('dist/webview/' + page.script)}"></script>
</body>
</html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
