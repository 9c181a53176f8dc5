#include "decode/qr_decoder.hpp"

#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>

#include <algorithm>

namespace admit::scanner {

namespace {

ZXing::DecodeHints hints_for(const decode_pass& pass, int max_codes) {
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::QRCode)
        .setTryHarder(pass.try_harder)
        .setTryRotate(pass.try_rotate)
        .setTryDownscale(pass.try_downscale)
        .setBinarizer(pass.binarize == binarizer::global_histogram
                          ? ZXing::Binarizer::GlobalHistogram
                          : ZXing::Binarizer::LocalAverage)
        .setMaxNumberOfSymbols(static_cast<std::uint8_t>(std::clamp(max_codes, 1, 255)));
    return hints;
}

}  // namespace

std::vector<std::string> qr_decoder::decode(const grey_frame& frame) const {
    std::vector<std::string> texts;
    if (frame.pixels == nullptr || frame.width <= 0 || frame.height <= 0 ||
        frame.stride < frame.width) {
        return texts;
    }
    const ZXing::ImageView image(
        frame.pixels, frame.width, frame.height, ZXing::ImageFormat::Lum, frame.stride
    );
    for (const decode_pass& pass : options_.passes) {
        for (const ZXing::Result& result :
             ZXing::ReadBarcodes(image, hints_for(pass, options_.max_codes))) {
            // Only codes whose error correction succeeded; never a guess.
            if (!result.isValid()) {
                continue;
            }
            std::string text = result.text();
            if (std::find(texts.begin(), texts.end(), text) == texts.end()) {
                texts.push_back(std::move(text));
            }
        }
        if (!texts.empty()) {
            break;
        }
    }
    return texts;
}

}  // namespace admit::scanner
