// A user's own compilation of Boost.Asio, its TLS layer and Boost.Beast, as a project that uses
// them besides fast_cache has; linked with a fast_cache built with FAST_CACHE_COMPILE_ASIO=OFF.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
