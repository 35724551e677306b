#include "base/securebuffer.h"
#include "sync/cli/cli.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    fieldnotes::disableCoreDumps();
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Fieldnotes"));
    QCoreApplication::setApplicationName(QStringLiteral("fieldnotes"));
    QStringList words = QCoreApplication::arguments();
    words.removeFirst();
    fieldnotes::cli::Cli cli(stdout, stderr);
    return cli.run(words);
}
