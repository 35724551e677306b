import QtQuick
import QtTest
import Fieldnotes

// The one-tap insight: a kind chip adds the insight with the typed text, the selected quote, importance and tags.
TestCase {
    id: testCase
    name: "InsightComposer"
    when: windowShown

    SignalSpy {
        id: spy
    }
    width: 800
    height: 600

    // Outlives the composers that use it (a temporary editor would go first and leave them a null editor).
    ConversationEditor {
        id: sharedEditor
        session: AppSession
    }
    Component {
        id: composerComponent
        InsightComposer {
            width: 700
        }
    }
    Component {
        id: insightsComponent
        InsightListModel {
            session: AppSession
        }
    }

    // Qt 6.4 crashes destroying a Layout in the middle of a test function's teardown: hide the composers, let the
    // engine destroy them at the end.
    property var composers: []

    function makeComposer(editor) {
        const composer = composerComponent.createObject(testCase, { editor: editor })
        composers.push(composer)
        return composer
    }
    function cleanup() {
        for (const composer of composers)
            composer.visible = false
    }

    function test_addsInsightWithQuote() {
        const editor = sharedEditor
        verify(editor.createNew().length > 0)
        const composer = makeComposer(editor) // see cleanup()
        spy.clear()
        spy.signalName = "added"
        spy.target = composer
        const added = spy
        const chip = findChild(composer, "addInsight_need")
        verify(chip)
        compare(chip.enabled, false) // nothing written or selected yet

        composer.selectedQuote = "We lose a day per calibration"
        const star = findChild(composer, "importance_5")
        star.clicked()
        compare(composer.importance, 5)
        tryCompare(chip, "enabled", true)
        chip.clicked()
        compare(added.count, 1)

        const insights = createTemporaryObject(insightsComponent, testCase, { conversationId: editor.conversationId })
        compare(insights.count, 1)
        const index = insights.index(0, 0)
        compare(insights.data(index, InsightListModel.KindRole), "need")
        compare(insights.data(index, InsightListModel.QuoteRole), "We lose a day per calibration")
        compare(insights.data(index, InsightListModel.TextRole), "We lose a day per calibration") // text from quote
        compare(insights.data(index, InsightListModel.ImportanceRole), 5)
    }

    function test_everyKindHasAChip() {
        const editor = sharedEditor
        const composer = makeComposer(editor) // see cleanup()
        for (const kind of ["need", "pain", "delight", "value", "competitor", "trend", "request"]) {
            const chip = findChild(composer, "addInsight_" + kind)
            verify(chip, kind)
            verify(chip.height >= 48, "hit target of " + kind)
            verify(chip.Accessible.name.length > 0)
        }
    }
}
