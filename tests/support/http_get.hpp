#pragma once
// Test support: a tiny HTTP/1.1 client over a plain loopback socket, so tests
// can also send malformed requests byte for byte.

#include <string>

namespace admit::test {

struct http_result {
    int status = 0;       // 0 when no answer
    std::string headers;
    std::string body;
};

// A TCP socket connected to 127.0.0.1:port, reads timing out after 5 s; -1 if it cannot connect.
int connect_loopback(unsigned short port);
// Sends all of bytes; false if the connection failed first.
bool send_all(int fd, const std::string& bytes);

// Sends the raw request text and reads until the server closes.
http_result http_raw(unsigned short port, const std::string& request);
// GET path with "Authorization: Bearer <token>" when token is not empty.
http_result http_get(unsigned short port, const std::string& path, const std::string& token = {});

// POST path with a JSON body.
http_result http_post(unsigned short port, const std::string& path, const std::string& json_body,
                      const std::string& token = {});

}  // namespace admit::test
