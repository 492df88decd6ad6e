// Reading the C library's snprintf-style string getters into QString.
#ifndef QNETWORKSESSIONQT6_CSTRING_H
#define QNETWORKSESSIONQT6_CSTRING_H

#include <QtCore/qbytearray.h>
#include <QtCore/qstring.h>

#include <qnetworksession.h>

namespace qnsqt6 {

// get(buf, len, &needed) as the C getters take it. A value that grows between
// the size query and the copy (a rename on another thread) is read again.
template <typename Getter>
QString readCString(Getter get)
{
    char small[128];
    size_t needed = 0;
    qns_status status = get(small, sizeof small, &needed);
    if (status == QNS_OK)
        return QString::fromUtf8(small, qsizetype(needed));
    while (status == QNS_ERR_BUFFER_TOO_SMALL) {
        QByteArray big(qsizetype(needed) + 1, '\0');
        status = get(big.data(), size_t(big.size()), &needed);
        if (status == QNS_OK)
            return QString::fromUtf8(big.constData(), qsizetype(needed));
    }
    return QString();
}

} // namespace qnsqt6

#endif
