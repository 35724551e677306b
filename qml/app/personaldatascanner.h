#pragma once

#include <QList>
#include <QString>
#include <QStringView>

namespace fieldnotes::app {

/**
 * Finds personal data (e-mail addresses, phone numbers) in text that is about to be published to sales, so the
 * review step can flag it. Advisory: it errs towards flagging, and the person publishing decides.
 */
class PersonalDataScanner final
{
public:
    enum class Kind { Email, Phone };

    /** One finding: what it looks like and where it is in the scanned text. */
    struct Finding
    {
        Kind kind = Kind::Email;
        qsizetype start = 0;
        qsizetype length = 0;

        friend bool operator==(const Finding &, const Finding &) = default;
    };

    /// Findings in order of position; none overlap.
    [[nodiscard]] static QList<Finding> scan(QStringView text);

    static constexpr int kMinPhoneDigits = 7;
    static constexpr int kMaxPhoneDigits = 15; // E.164
};

} // namespace fieldnotes::app
