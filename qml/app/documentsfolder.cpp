#include "documentsfolder.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace fieldnotes::app {

QString documentsFolder()
{
    const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return !documents.isEmpty() && QFileInfo(documents).isDir() ? documents : QDir::homePath();
}

} // namespace fieldnotes::app
