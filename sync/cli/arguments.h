#pragma once

#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>

namespace fieldnotes::cli {

/** Command-line words split into the command, its positional arguments and `--name value` / `--flag` options. */
class Arguments final
{
public:
    /// `valueOptions` take a value (`--limit 5` or `--limit=5`); `flags` do not. Anything else is an error.
    static std::optional<Arguments> parse(const QStringList &words, const QSet<QString> &valueOptions,
                                          const QSet<QString> &flags, QString *error);

    QStringList positional;
    QMap<QString, QString> options;
    QSet<QString> setFlags;

    bool has(const QString &name) const { return options.contains(name) || setFlags.contains(name); }
    QString value(const QString &name, const QString &fallback = {}) const { return options.value(name, fallback); }
};

} // namespace fieldnotes::cli
