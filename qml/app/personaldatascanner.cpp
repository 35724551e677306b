#include "personaldatascanner.h"

#include <QRegularExpression>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

namespace {

bool overlaps(const QList<PersonalDataScanner::Finding> &found, qsizetype start, qsizetype length)
{
    for (const auto &f : found) {
        if (start < f.start + f.length && f.start < start + length)
            return true;
    }
    return false;
}

} // namespace

QList<PersonalDataScanner::Finding> PersonalDataScanner::scan(QStringView text)
{
    // Unicode letters are allowed in the local part and domain (internationalised addresses).
    static const QRegularExpression email(u"[\\w.!#$%&'*+/=?^`{|}~-]+@[\\w-]+(?:\\.[\\w-]+)*\\.\\w{2,}"_s,
                                          QRegularExpression::UseUnicodePropertiesOption);
    // A run that starts with +, ( or a digit and holds digits with the usual separators.
    static const QRegularExpression phone(u"(?<![\\w.,/-])(?:\\+|\\(|\\d)[\\d\\s().\\-/]{5,}\\d(?![\\w])"_s);
    // Things with enough digits that are not phone numbers: ISO dates and times, and dates like 10.01.2026.
    static const QRegularExpression notPhone(
        u"^(?:\\d{4}-\\d{2}-\\d{2}(?:[ T]\\d{2})?|\\d{1,2}[./]\\d{1,2}[./]\\d{2,4}|\\d{4}\\s*-\\s*\\d{4})$"_s);

    QList<Finding> found;
    for (auto it = email.globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        found << Finding{Kind::Email, m.capturedStart(), m.capturedLength()};
    }
    for (auto it = phone.globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        // The run starts with a non-space and ends with a digit: nothing to trim.
        const QStringView candidate = m.capturedView();
        const qsizetype start = m.capturedStart();
        int digits = 0;
        for (QChar c : candidate)
            digits += c.isDigit() ? 1 : 0;
        if (digits < kMinPhoneDigits || digits > kMaxPhoneDigits)
            continue;
        if (notPhone.match(candidate).hasMatch())
            continue;
        if (overlaps(found, start, candidate.size()))
            continue;
        found << Finding{Kind::Phone, start, candidate.size()};
    }
    std::sort(found.begin(), found.end(), [](const Finding &a, const Finding &b) { return a.start < b.start; });
    return found;
}

} // namespace fieldnotes::app
