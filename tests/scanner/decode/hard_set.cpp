#include "scanner/decode/hard_set.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>

#include "badges/qr_code.hpp"
#include "scanner/image_ops.hpp"

namespace admit::scanner::test {

namespace {

constexpr int frame_width = 1280;
constexpr int frame_height = 720;
constexpr int quiet_modules = 4;

// Module pattern to draw: a real code, or for a frame "with no code" a fake
// one (finder patterns around random modules, which no decoder may read) or a
// blocky logo without finder patterns.
struct symbol {
    int size = 0;
    std::vector<std::uint8_t> dark;  // size * size, 1 = dark

    bool at(int x, int y) const {
        return dark
                   [static_cast<std::size_t>(y) * static_cast<std::size_t>(size) +
                    static_cast<std::size_t>(x)] != 0;
    }
};

symbol real_symbol(const std::string& text) {
    const badges::qr_code code = badges::qr_code::encode(text);
    symbol s;
    s.size = code.size();
    s.dark.resize(static_cast<std::size_t>(s.size * s.size));
    for (int y = 0; y < s.size; ++y) {
        for (int x = 0; x < s.size; ++x) {
            s.dark[static_cast<std::size_t>(y * s.size + x)] = code.dark(x, y) ? 1 : 0;
        }
    }
    return s;
}

symbol fake_symbol(unsigned seed, bool with_finders) {
    std::mt19937 random(seed);
    symbol s;
    s.size = 49;  // the size of a real badge code (version 8)
    s.dark.resize(static_cast<std::size_t>(s.size * s.size));
    for (std::uint8_t& d : s.dark) {
        d = (random() & 1U) != 0 ? 1 : 0;
    }
    if (!with_finders) {
        return s;
    }
    const auto finder = [&](int x0, int y0) {
        for (int y = -1; y < 8; ++y) {
            for (int x = -1; x < 8; ++x) {
                const int px = x0 + x;
                const int py = y0 + y;
                if (px < 0 || py < 0 || px >= s.size || py >= s.size) {
                    continue;
                }
                const int ring = std::max(std::abs(x - 3), std::abs(y - 3));
                s.dark[static_cast<std::size_t>(py * s.size + px)] =
                    (ring == 3 || ring <= 1) ? 1 : 0;
            }
        }
    };
    finder(0, 0);
    finder(s.size - 7, 0);
    finder(0, s.size - 7);
    return s;
}

// Frame pixels as floats while they are being made: 0 = black ink, 255 = white paper.
struct canvas {
    std::vector<float> v = std::vector<float>(frame_width * frame_height, 0.0F);
    float& at(int x, int y) {
        return v[static_cast<std::size_t>(y) * frame_width + static_cast<std::size_t>(x)];
    }
};

// Module coordinates (origin at the code's centre) <-> frame pixels.
struct placement {
    double m, c, s, tx, ty, cx, cy;

    void to_frame(double u, double v, double& x, double& y) const {
        const double w = 1 + tx * u + ty * v;
        const double a = u / w * m;
        const double b = v / w * m;
        x = cx + c * a - s * b;
        y = cy + s * a + c * b;
    }
    void to_modules(double x, double y, double& u, double& v) const {
        const double dx = x - cx;
        const double dy = y - cy;
        const double a = (c * dx + s * dy) / m;
        const double b = (-s * dx + c * dy) / m;
        const double w = 1 / (1 - tx * a - ty * b);
        u = a * w;
        v = b * w;
    }
};

void draw_background(canvas& f, std::mt19937& random) {
    // A lit wall, brighter towards one corner.
    const bool flip = (random() & 1U) != 0;
    for (int y = 0; y < frame_height; ++y) {
        for (int x = 0; x < frame_width; ++x) {
            const int xx = flip ? frame_width - 1 - x : x;
            f.at(x, y) = static_cast<float>(60.0 + 140.0 * (xx + y) / (frame_width + frame_height));
        }
    }
    // Clutter: patches of print-like squares, lines of "text", a checkerboard.
    const int patches = 2 + static_cast<int>(random() % 3);
    for (int p = 0; p < patches; ++p) {
        const int pw = 120 + static_cast<int>(random() % 200);
        const int ph = 80 + static_cast<int>(random() % 160);
        const int px = static_cast<int>(random() % static_cast<unsigned>(frame_width - pw));
        const int py = static_cast<int>(random() % static_cast<unsigned>(frame_height - ph));
        switch (random() % 3) {
            case 0:
                for (int i = 0; i < pw * ph / 60; ++i) {
                    const int side = 2 + static_cast<int>(random() % 10);
                    const int x0 = px + static_cast<int>(random() % static_cast<unsigned>(pw));
                    const int y0 = py + static_cast<int>(random() % static_cast<unsigned>(ph));
                    const auto shade = static_cast<float>(random() % 120);
                    for (int y = y0; y < std::min(py + ph, y0 + side); ++y) {
                        for (int x = x0; x < std::min(px + pw, x0 + side); ++x) {
                            f.at(x, y) = shade;
                        }
                    }
                }
                break;
            case 1:
                for (int y0 = py; y0 + 9 < py + ph; y0 += 14) {
                    for (int x0 = px; x0 < px + pw;) {
                        const int w = 3 + static_cast<int>(random() % 6);
                        if (random() % 5 != 0) {
                            for (int y = y0; y < y0 + 9; ++y) {
                                for (int x = x0; x < std::min(px + pw, x0 + w); ++x) {
                                    f.at(x, y) = 30;
                                }
                            }
                        }
                        x0 += w + 2;
                    }
                }
                break;
            default: {
                const int cell = 3 + static_cast<int>(random() % 6);
                for (int y = py; y < py + ph; ++y) {
                    for (int x = px; x < px + pw; ++x) {
                        f.at(x, y) =
                            (((x - px) / cell + (y - py) / cell) % 2) != 0 ? 40.0F : 220.0F;
                    }
                }
            }
        }
    }
}

// The badge card, the code on it and a printed name below, supersampled 3x3.
void draw_badge(canvas& f, const placement& where, const symbol& sym) {
    const double half = sym.size / 2.0;
    const double card_l = -half - quiet_modules - 2;
    const double card_r = half + quiet_modules + 2;
    const double card_t = -half - quiet_modules - 3;
    const double card_b = half + quiet_modules + 10;
    double x0 = frame_width, y0 = frame_height, x1 = 0, y1 = 0;
    for (const double u : {card_l, card_r}) {
        for (const double v : {card_t, card_b}) {
            double x = 0, y = 0;
            where.to_frame(u, v, x, y);
            x0 = std::min(x0, x), x1 = std::max(x1, x);
            y0 = std::min(y0, y), y1 = std::max(y1, y);
        }
    }
    const int bx0 = std::max(0, static_cast<int>(x0) - 1);
    const int by0 = std::max(0, static_cast<int>(y0) - 1);
    const int bx1 = std::min(frame_width - 1, static_cast<int>(x1) + 1);
    const int by1 = std::min(frame_height - 1, static_cast<int>(y1) + 1);
    for (int y = by0; y <= by1; ++y) {
        for (int x = bx0; x <= bx1; ++x) {
            float sum = 0;
            int inside = 0;
            for (int sy = 0; sy < 3; ++sy) {
                for (int sx = 0; sx < 3; ++sx) {
                    double u = 0, v = 0;
                    where.to_modules(x + (sx + 0.5) / 3.0, y + (sy + 0.5) / 3.0, u, v);
                    if (u < card_l || u >= card_r || v < card_t || v >= card_b) {
                        continue;
                    }
                    ++inside;
                    const int mu = static_cast<int>(std::floor(u + half));
                    const int mv = static_cast<int>(std::floor(v + half));
                    bool ink = false;
                    if (mu >= 0 && mv >= 0 && mu < sym.size && mv < sym.size) {
                        ink = sym.at(mu, mv);
                    } else if (v > half + quiet_modules + 1.5 && v < half + quiet_modules + 4.5) {
                        // The attendee's name: letter-like blocks.
                        const double t = u - card_l;
                        ink = std::fmod(t, 2.3) < 1.5 && std::fmod(t, 9.1) < 7.5 && t > 2 &&
                              t < card_r - card_l - 2;
                    } else if (v > half + quiet_modules + 6 && v < half + quiet_modules + 7.5) {
                        ink = u > card_l + 3 && u < 0.3 * card_r;  // the category line
                    }
                    sum += ink ? 0.0F : 255.0F;
                }
            }
            if (inside > 0) {
                f.at(x, y) = (f.at(x, y) * static_cast<float>(9 - inside) + sum) / 9.0F;
            }
        }
    }
}

void blur(canvas& f, double sigma) {
    if (sigma < 0.2) {
        return;
    }
    const int r = static_cast<int>(std::ceil(3 * sigma));
    std::vector<float> k(static_cast<std::size_t>(2 * r + 1));
    float sum = 0;
    for (int i = -r; i <= r; ++i) {
        k[static_cast<std::size_t>(i + r)] =
            static_cast<float>(std::exp(-(i * i) / (2 * sigma * sigma)));
        sum += k[static_cast<std::size_t>(i + r)];
    }
    for (float& w : k) w /= sum;
    canvas tmp;
    for (int y = 0; y < frame_height; ++y) {
        for (int x = 0; x < frame_width; ++x) {
            float acc = 0;
            for (int i = -r; i <= r; ++i) {
                acc += k[static_cast<std::size_t>(i + r)] *
                       f.at(std::clamp(x + i, 0, frame_width - 1), y);
            }
            tmp.at(x, y) = acc;
        }
    }
    for (int y = 0; y < frame_height; ++y) {
        for (int x = 0; x < frame_width; ++x) {
            float acc = 0;
            for (int i = -r; i <= r; ++i) {
                acc += k[static_cast<std::size_t>(i + r)] *
                       tmp.at(x, std::clamp(y + i, 0, frame_height - 1));
            }
            f.at(x, y) = acc;
        }
    }
}

double uniform(std::mt19937& random, double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(random);
}

bool chance(std::mt19937& random, double p) {
    return uniform(random, 0, 1) < p;
}

}  // namespace

std::vector<hard_case> hard_cases(int count, unsigned seed) {
    std::mt19937 random(seed);
    std::vector<hard_case> cases;
    cases.reserve(static_cast<std::size_t>(std::max(0, count)));
    for (int i = 0; i < count; ++i) {
        hard_case c;
        c.index = i;
        c.seed = seed * 7919U + static_cast<unsigned>(i);
        // Every tenth frame, in a seeded position, has no code.
        const bool has_code = !chance(random, 0.1);
        if (has_code) {
            c.text = badge_like_token(1000 + i);
        }
        c.module_px = uniform(random, 1.5, 4.0);
        c.degrees = uniform(random, 0, 45) * (chance(random, 0.5) ? 1 : -1);
        c.tilt_x = uniform(random, -0.003, 0.003);
        c.tilt_y = uniform(random, -0.003, 0.003);
        c.blur_sigma = uniform(random, 0.1, 0.3) * c.module_px;
        c.noise_stddev = uniform(random, 2, 14);
        if (chance(random, 0.35)) {
            // Washed out or dim: 25..70 grey levels between ink and paper.
            const double mid = uniform(random, 80, 170);
            const double range = uniform(random, 30, 80);
            c.dark = static_cast<int>(mid - range / 2);
            c.light = static_cast<int>(mid + range / 2);
        } else {
            c.dark = static_cast<int>(uniform(random, 10, 60));
            c.light = static_cast<int>(uniform(random, 170, 245));
        }
        c.shading = chance(random, 0.3) ? uniform(random, 0.2, 0.55) : 0.0;
        // The card is at most about 70 modules plus tilt across; keep it in the frame.
        const double reach = 45 * c.module_px;
        c.centre_x = uniform(random, reach, frame_width - reach);
        c.centre_y = uniform(random, std::min(360.0, reach), std::max(360.0, frame_height - reach));
        cases.push_back(std::move(c));
    }
    return cases;
}

grey_image hard_frame(const hard_case& c, int take) {
    std::mt19937 random(c.seed);
    canvas f;
    draw_background(f, random);
    // Motion between consecutive frames: a steady drift and a slight turn.
    const double drift_x = uniform(random, -2, 2);
    const double drift_y = uniform(random, -2, 2);
    const double turn = uniform(random, -0.6, 0.6);
    const double a = (c.degrees + take * turn) * std::numbers::pi / 180.0;
    const placement where{
        c.module_px,
        std::cos(a),
        std::sin(a),
        c.tilt_x,
        c.tilt_y,
        c.centre_x + take * drift_x,
        c.centre_y + take * drift_y};
    const symbol sym =
        !c.text.empty() ? real_symbol(c.text) : fake_symbol(c.seed, (c.index % 2) == 0);
    draw_badge(f, where, sym);
    blur(f, c.blur_sigma);

    // Exposure (ink and paper greys), uneven light across the badge, sensor noise.
    const double dir = uniform(random, 0, 2 * std::numbers::pi);
    const double span = 60 * c.module_px;
    std::mt19937 noise_random(c.seed * 31U + static_cast<unsigned>(take) + 1U);
    std::normal_distribution<float> noise(0.0F, static_cast<float>(c.noise_stddev));
    const auto scale = static_cast<float>((c.light - c.dark) / 255.0);
    grey_image out;
    out.width = frame_width;
    out.height = frame_height;
    out.pixels.resize(static_cast<std::size_t>(frame_width) * frame_height);
    for (int y = 0; y < frame_height; ++y) {
        for (int x = 0; x < frame_width; ++x) {
            float v = static_cast<float>(c.dark) + scale * f.at(x, y);
            if (c.shading > 0) {
                const double t =
                    ((x - c.centre_x) * std::cos(dir) + (y - c.centre_y) * std::sin(dir)) / span +
                    0.5;
                v *= static_cast<float>(1 - c.shading * std::clamp(t, 0.0, 1.0));
            }
            v += noise(noise_random);
            out.pixels[static_cast<std::size_t>(y) * frame_width + static_cast<std::size_t>(x)] =
                static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
        }
    }
    return out;
}

std::string describe(const hard_case& c) {
    char line[200];
    std::snprintf(
        line, sizeof line,
        "#%d %s m=%.2fpx rot=%.0f tilt=%.4f,%.4f blur=%.2f noise=%.0f range=%d..%d shade=%.2f",
        c.index, c.text.empty() ? "no-code" : "code", c.module_px, c.degrees, c.tilt_x, c.tilt_y,
        c.blur_sigma, c.noise_stddev, c.dark, c.light, c.shading
    );
    return line;
}

}  // namespace admit::scanner::test
