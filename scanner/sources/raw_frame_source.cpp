#include "sources/raw_frame_source.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

namespace admit::scanner {

namespace {

constexpr int max_side = 16384;

std::optional<int> parse_side(std::string_view text) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 1 || value > max_side) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

raw_frame_source::raw_frame_source(std::istream& in, frame_size size) : in_(in), size_(size) {
    if (size.width < 1 || size.height < 1 || size.width > max_side || size.height > max_side) {
        throw std::invalid_argument(
            "raw frames: size " + std::to_string(size.width) + "x" +
            std::to_string(size.height) + " is out of range; use e.g. --raw 1280x720"
        );
    }
}

std::optional<frame_size> raw_frame_source::parse_size(std::string_view text) {
    const auto x = text.find_first_of("xX");
    if (x == std::string_view::npos) {
        return std::nullopt;
    }
    const auto width = parse_side(text.substr(0, x));
    const auto height = parse_side(text.substr(x + 1));
    if (!width || !height) {
        return std::nullopt;
    }
    return frame_size{*width, *height};
}

next_frame raw_frame_source::next() {
    if (ended_) {
        return next_frame::end();
    }
    const auto bytes = static_cast<std::size_t>(size_.width) * static_cast<std::size_t>(size_.height);
    next_frame result;
    result.image.width = size_.width;
    result.image.height = size_.height;
    result.image.pixels.resize(bytes);
    in_.read(reinterpret_cast<char*>(result.image.pixels.data()),
             static_cast<std::streamsize>(bytes));
    const auto got = static_cast<std::size_t>(in_.gcount());
    if (got == bytes) {
        result.what = next_frame::kind::frame;
        result.origin = "stdin frame " + std::to_string(++frames_read_);
        return result;
    }
    ended_ = true;
    if (got == 0) {
        return next_frame::end();
    }
    next_frame problem;
    problem.what = next_frame::kind::problem;
    problem.origin = "stdin frame " + std::to_string(frames_read_ + 1);
    problem.problem = "stdin: the last frame has " + std::to_string(got) + " bytes, expected " +
                      std::to_string(bytes) + " (--raw " + std::to_string(size_.width) + "x" +
                      std::to_string(size_.height) +
                      "); check that the size matches the grey frames sent";
    return problem;
}

}  // namespace admit::scanner
