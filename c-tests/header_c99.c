/* Compiled with -std=c99 -Wall -Wextra -Werror -pedantic: the header is clean C99. */
#include "qnetworksession.h"
#include "qnetworksession.h" /* the include guard works */

int qns_header_c99_compiles(void) { return QNS_VERSION_MAJOR + QNS_STATE_ROAMING; }
