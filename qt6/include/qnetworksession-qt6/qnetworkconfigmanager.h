#include "QtNetwork/qnetworkconfigmanager.h"
