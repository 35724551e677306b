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

    function init() {
        // No TypeError or other warning, also when the dialog or its actions go away.
        failOnWarning(/.*/)
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

    // The page that owns the dialog and its RecordActions may destroy the actions first: the dialog then shows no
    // finding and offers nothing to publish, without a TypeError.
    function test_outlivesItsActions() {
        const actions = actionsComponent.createObject(testCase)
        const id = actions.save("insight", "", { kind: "need", text: "Call a@b.io", quote: "" })
        verify(id.length > 0)
        const dialog = createTemporaryObject(dialogComponent, testCase, { actions: actions })
        dialog.review(id)
        tryCompare(dialog, "opened", true)
        compare(dialog.findingCount, 1)
        actions.destroy()
        tryVerify(() => dialog.actions === null)
        compare(dialog.findingCount, 0)
        verify(!findChild(dialog.contentItem, "publishConfirmButton").enabled)
        dialog.review(id) // nothing to review with
        dialog.close()
        tryCompare(dialog, "opened", false)
    }
}
