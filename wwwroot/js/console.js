// The console page: noVNC over the portal's WebSocket proxy. The socket is opened here (not by noVNC from a URL) so
// that its close reason, which says why the portal refused or ended the session, reaches the status line.
import RFB from '../lib/novnc/core/rfb.js';

const screen = document.getElementById('console-screen');
const status = document.getElementById('console-status');
const url = screen.dataset.ws;
const started = performance.now();

function show(text, state) {
    status.textContent = text;
    status.dataset.state = state;
}

// First frame: the first time the canvas holds a drawn (opaque) pixel. Recorded for the tests and benchmarks.
function watchFirstFrame() {
    const timer = setInterval(() => {
        const canvas = screen.querySelector('canvas');
        if (!canvas || canvas.width === 0 || canvas.height === 0)
            return;
        const context = canvas.getContext('2d', { willReadFrequently: true });
        const pixel = context.getImageData(Math.floor(canvas.width / 2), Math.floor(canvas.height / 2), 1, 1).data;
        if (pixel[3] > 0) {
            screen.dataset.firstFrameMs = String(Math.round(performance.now() - started));
            clearInterval(timer);
        }
    }, 20);
    return timer;
}

if (url) {
    const socket = new WebSocket(url, ['binary']);
    socket.binaryType = 'arraybuffer';
    let closedReason = null;
    socket.addEventListener('close', event => {
        closedReason = event.reason || (event.wasClean ? 'console closed' : 'connection lost');
        show(closedReason, event.code === 1000 ? 'closed' : 'refused');
    });
    const rfb = new RFB(screen, socket);
    rfb.scaleViewport = true;
    rfb.background = '#111';
    const timer = watchFirstFrame();
    rfb.addEventListener('connect', () => show('connected', 'connected'));
    rfb.addEventListener('disconnect', () => {
        clearInterval(timer);
        if (closedReason)
            show(closedReason, status.dataset.state || 'closed');
    });
}
