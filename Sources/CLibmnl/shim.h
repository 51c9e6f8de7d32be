#include <netinet/in.h>
#include <libmnl/libmnl.h>
