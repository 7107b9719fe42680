// A user's own compilation of Boost.Asio, its TLS layer and Boost.Beast, as a project that uses
// them besides fast_cache has; linked with a fast_cache built with FAST_CACHE_COMPILE_ASIO=OFF.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>

// The exported definition must reach a program's own compilation of Asio: it sets the size of
// Asio's per-thread state, and a mismatch corrupts memory instead of failing to link.
static_assert(BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE == 8);
