// The camera decoder: ZXing-C++ compiled to WebAssembly (npm zxing-wasm,
// vendored by web/scripts/vendor.sh), in a worker so the preview stays
// smooth. Gets {id, image: ImageData}, answers {id, texts: [...]} or {id, error}.
importScripts('/vendor/zxing-wasm/zxing-reader.js');

/* global ZXingWASM */
ZXingWASM.prepareZXingModule({
    overrides: { locateFile: (file) => `/vendor/zxing-wasm/${file}` },
    fireImmediately: true,
});

self.onmessage = async (e) => {
    const { id, image } = e.data;
    try {
        const results = await ZXingWASM.readBarcodes(image, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 });
        self.postMessage({ id, texts: results.filter((r) => r.isValid).map((r) => r.text) });
    } catch (err) {
        self.postMessage({ id, error: String(err && err.message ? err.message : err) });
    }
};
