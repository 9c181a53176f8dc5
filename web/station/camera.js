// The camera: getUserMedia (rear camera), frames copied to a canvas and
// handed to the decoder worker one at a time (the next frame only when the
// last one is decoded, so a slow phone drops frames, never the preview), a
// torch toggle where the camera has one. onText(payload) gets each decoded
// badge, once per appearance (the same text again within 3 s is the same badge).

const SAME_BADGE_MS = 3000;

export class camera {
    constructor(video, onText) {
        this.video = video;
        this.onText = onText;
        this.worker = null;
        this.stream = null;
        this.busy = false;
        this.seq = 0;
        this.last = { text: '', at: 0 };
        this.canvas = document.createElement('canvas');
        this.frames = 0;
        this.decoded = 0;
    }

    get running() {
        return !!this.stream;
    }

    async start() {
        if (this.stream) return;
        this.worker = this.worker || new Worker('/station/decoder_worker.js');
        this.worker.onmessage = (e) => this.result(e.data);
        this.stream = await navigator.mediaDevices.getUserMedia({
            video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
        });
        this.video.srcObject = this.stream;
        this.video.hidden = false;
        await this.video.play();
        this.loop();
    }

    stop() {
        if (this.stream) for (const t of this.stream.getTracks()) t.stop();
        this.stream = null;
        this.video.hidden = true;
        this.video.srcObject = null;
    }

    get track() {
        return this.stream ? this.stream.getVideoTracks()[0] : null;
    }

    hasTorch() {
        const caps = this.track?.getCapabilities?.() || {};
        return !!caps.torch;
    }

    async torch(on) {
        if (this.hasTorch()) await this.track.applyConstraints({ advanced: [{ torch: on }] });
    }

    loop() {
        if (!this.stream) return;
        const v = this.video;
        if (!this.busy && v.videoWidth > 0) {
            this.canvas.width = v.videoWidth;
            this.canvas.height = v.videoHeight;
            const g = this.canvas.getContext('2d', { willReadFrequently: true });
            g.drawImage(v, 0, 0);
            const image = g.getImageData(0, 0, v.videoWidth, v.videoHeight);
            this.busy = true;
            this.frames += 1;
            this.worker.postMessage({ id: ++this.seq, image }, [image.data.buffer]);
        }
        requestAnimationFrame(() => this.loop());
    }

    result({ texts, error }) {
        this.busy = false;
        if (error) {
            console.error('decoder:', error);
            return;
        }
        const now = Date.now();
        for (const text of texts || []) {
            this.decoded += 1;
            if (text === this.last.text && now - this.last.at < SAME_BADGE_MS) {
                this.last.at = now;
                continue;
            }
            this.last = { text, at: now };
            this.onText(text);
        }
    }
}
