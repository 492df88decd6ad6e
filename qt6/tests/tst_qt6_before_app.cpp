// Objects made before QCoreApplication exists (a static manager, say): the
// main thread had no event dispatcher to watch their loop then; they get
// their signals once the application's event loop runs.
#include "simnet.h"

static QNetworkConfigurationManager *early;

class tst_Qt6BeforeApp : public QObject
{
    Q_OBJECT

private slots:
    void signalsOnceTheApplicationRuns()
    {
        QSignalSpy changed(early, &QNetworkConfigurationManager::configurationChanged);
        simnet::setState("ap", QNS_STATE_FLAG_ACTIVE);
        QTRY_COMPARE(changed.size(), 1);
        QCOMPARE(changed.first().at(0).value<QNetworkConfiguration>().identifier(), QStringLiteral("ap"));
    }
};

int main(int argc, char **argv)
{
    if (qns_sim_add_access_point("ap", "AP", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DISCOVERED) != QNS_OK)
        return 1;
    early = new QNetworkConfigurationManager; // no QCoreApplication yet
    int rc;
    {
        QCoreApplication app(argc, argv);
        tst_Qt6BeforeApp test;
        rc = QTest::qExec(&test, argc, argv);
    }
    delete early; // after the application, as a static would be
    return rc;
}

#include "tst_qt6_before_app.moc"
