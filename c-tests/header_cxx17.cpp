// Compiled as C++17 with -Wall -Wextra -Werror -pedantic: extern "C" and no C-only constructs.
#include "qnetworksession.h"

static_assert(QNS_STATE_ROAMING == 6, "Qt's numbers");
int qns_header_cxx17_compiles() { return qns_status_str(QNS_OK) != nullptr; }
