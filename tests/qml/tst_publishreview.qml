import QtQuick
import QtTest
import Fieldnotes

// The review before publishing flags e-mail addresses and phone numbers in the text and the quote.
TestCase {
    id: testCase
    name: "PublishReviewDialog"
    when: windowShown

    SignalSpy {
        id: spy
    }
    width: 800
    height: 700

    Component {
        id: actionsComponent
        RecordActions {
            session: AppSession
        }
    }
    Component {
        id: dialogComponent
        PublishReviewDialog {}
    }

    function test_flagsAndPublishes() {
        const actions = createTemporaryObject(actionsComponent, testCase)
        const id = actions.save("insight", "", { kind: "competitor", text: "Looks at Initech",
                                                 quote: "ring me on +44 20 7946 0958" })
        verify(id.length > 0)
        const dialog = createTemporaryObject(dialogComponent, testCase, { actions: actions })
        spy.clear()
        spy.signalName = "published"
        spy.target = dialog
        const published = spy
        dialog.review(id)
        tryCompare(dialog, "opened", true)
        compare(dialog.findingCount, 1)
        verify(findChild(dialog.contentItem, "personalDataWarning").visible)
        compare(findChild(dialog.contentItem, "publishConfirmButton").text, "Publish anyway")

        // Removing the number clears the flag.
        findChild(dialog.contentItem, "reviewQuoteArea").text = "ring me"
        compare(dialog.findingCount, 0)
        verify(findChild(dialog.contentItem, "personalDataClear").visible)
        mouseClick(findChild(dialog.contentItem, "publishConfirmButton"))
        compare(published.count, 1)
        const fields = actions.fields("insight", id)
        compare(fields.published, true)
        compare(fields.quote, "ring me")
    }

    function test_reviewListsFindingsPerField() {
        const actions = createTemporaryObject(actionsComponent, testCase)
        const id = actions.save("insight", "", { kind: "need", text: "mail a@b.io", quote: "x@y.org" })
        const findings = actions.reviewForPublishing(id)
        compare(findings.length, 2)
        compare(findings[0].field, "text")
        compare(findings[0].kind, "email")
        compare(findings[1].field, "quote")
    }
}
