#include "passphrasestrength.h"

#include <QCoreApplication>
#include <QSet>
#include <QRegularExpression>
#include <QStringList>

#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

PassphraseStrength PassphraseStrength::evaluate(const QString &passphrase)
{
    const auto tr = [](const char *text) { return QCoreApplication::translate("PassphraseStrength", text); };
    PassphraseStrength result;
    const QList<uint> chars = passphrase.toUcs4();
    if (chars.size() < kMinLength) {
        result.hint = tr("Use at least 8 characters; a few unrelated words make a strong passphrase.");
        return result;
    }
    bool lower = false, upper = false, digit = false, other = false;
    QSet<uint> distinct;
    for (uint c : chars) {
        const QChar::Category category = QChar::category(char32_t(c));
        lower |= category == QChar::Letter_Lowercase;
        upper |= category == QChar::Letter_Uppercase;
        digit |= QChar::isDigit(char32_t(c));
        other |= !QChar::isLetterOrNumber(char32_t(c));
        distinct.insert(c);
    }
    const int pool = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (other ? 33 : 0);
    // Repeats and runs add little: count each character only by how much it differs from the one before.
    double effective = 0;
    for (qsizetype i = 0; i < chars.size(); ++i) {
        const bool repeatOrRun =
            i > 0 && (chars[i] == chars[i - 1] || chars[i] == chars[i - 1] + 1 || chars[i] + 1 == chars[i - 1]);
        effective += repeatOrRun ? 0.25 : 1.0;
    }
    result.bits = effective * std::log2(std::max(pool, 10));
    static const QStringList common{u"password"_s, u"passwort"_s, u"123456"_s, u"qwerty"_s, u"azerty"_s,
                                    u"letmein"_s, u"welcome"_s, u"fieldnotes"_s, u"admin"_s, u"iloveyou"_s};
    const QString folded = passphrase.toLower();
    for (const QString &word : common) {
        if (folded.contains(word))
            result.bits -= 20;
    }
    if (distinct.size() <= 3)
        result.bits = std::min(result.bits, 20.0);
    const int words = int(passphrase.split(QRegularExpression(u"[\\s\\-_.]+"_s), Qt::SkipEmptyParts).size());
    if (result.bits < 40) {
        result.score = 1;
        result.hint = tr("Weak: easy to guess. Add more unrelated words.");
    } else if (result.bits < 60) {
        result.score = 2;
        result.hint = words >= 3 ? tr("Fair: one more word would make it strong.")
                                 : tr("Fair: a few unrelated words are stronger and easier to type.");
    } else if (result.bits < 80) {
        result.score = 3;
        result.hint = tr("Good.");
    } else {
        result.score = 4;
        result.hint = tr("Strong.");
    }
    return result;
}

} // namespace fieldnotes::app
