// The one translation unit that compiles Boost.Beast and Asio's TLS layer.
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
