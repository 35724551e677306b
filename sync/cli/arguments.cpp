#include "sync/cli/arguments.h"

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::cli {

std::optional<Arguments> Arguments::parse(const QStringList &words, const QSet<QString> &valueOptions,
                                          const QSet<QString> &flags, QString *error)
{
    Arguments args;
    bool onlyPositional = false;
    for (int i = 0; i < words.size(); ++i) {
        const QString &word = words.at(i);
        if (onlyPositional || !word.startsWith(u"--"_s)) {
            args.positional << word;
            continue;
        }
        if (word == u"--"_s) {
            onlyPositional = true;
            continue;
        }
        QString name = word.mid(2);
        std::optional<QString> inlineValue;
        if (const qsizetype eq = name.indexOf(u'='); eq >= 0) {
            inlineValue = name.mid(eq + 1);
            name.truncate(eq);
        }
        if (flags.contains(name) && !inlineValue) {
            args.setFlags.insert(name);
        } else if (valueOptions.contains(name)) {
            if (inlineValue) {
                args.options.insert(name, *inlineValue);
            } else if (i + 1 < words.size()) {
                args.options.insert(name, words.at(++i));
            } else {
                *error = u"--%1 needs a value."_s.arg(name);
                return std::nullopt;
            }
        } else {
            *error = u"Unknown option --%1."_s.arg(name.left(40));
            return std::nullopt;
        }
    }
    return args;
}

} // namespace fieldnotes::cli
