#include "QtNetwork/qnetworkconfiguration.h"
