package summarize

// Sentence model weights (features.go), fitted on the labelled abstracts by
// PAPERBOY_FIT=1 PAPERBOY_FIT_OUT=$PWD/weights.go go test -run TestFitSentenceModels .
// Do not edit by hand.

// ideaPrior is the share of labelled abstracts whose idea one sentence, or two adjacent
// sentences together, state.
const ideaPrior = 0.9065

var (
	ideaWeights = [nFeatures]float64{
		fBias:              0.0000,  // bias
		fFirst:             -1.4061, // first
		fLast:              -0.7438, // last
		fRelPos:            -0.1019, // relpos
		fRelPos2:           -1.3705, // relpos2
		fWeVerb:            0.2601,  // we-verb
		fPaperVerb:         0.7256,  // paper-verb
		fMethodCue:         -0.0112, // method-cue
		fResultCue:         -0.0271, // result-cue
		fNumber:            -0.1689, // number
		fNamed:             0.0946,  // named
		fBackground:        -0.2112, // background
		fLink:              -0.0714, // link
		fShort:             0.0199,  // short
		fLong:              -1.0745, // long
		fLogLen:            1.1092,  // loglen
		fInsight:           0.5293,  // insight
		fSpecifically:      -0.0499, // specifically
		fMechanism:         0.5404,  // mechanism
		fShow:              -0.2018, // show
		fFirstContrib:      -0.0281, // first-contrib
		fAfterContrib:      -0.2415, // after-contrib
		fBeforeContrib:     -0.8742, // before-contrib
		fWeOur:             1.1263,  // we-our
		fQuestion:          0.1020,  // question
		fContrast:          -0.2206, // contrast
		fNovel:             0.0172,  // novel
		fOutperform:        -0.4829, // outperform
		fExperiments:       -0.3057, // experiments
		fAim:               0.3357,  // aim
		fEnables:           -0.2448, // enables
		fDataset:           -0.1384, // dataset
		fComponent:         0.5406,  // component
		fNextContrib:       0.3763,  // next-contrib
		fFirstWe:           -0.0514, // first-we
		fBeforeResult:      -0.1021, // before-result
		fAfterNamed:        0.6857,  // after-named
		fSubject:           0.2438,  // subject
		fAfterShortContrib: 0.6140,  // after-short-contrib
		fLongContrib:       0.5485,  // long-contrib
		fNextElaborates:    0.3373,  // next-elaborates
		fPrevElaborated:    0.5929,  // prev-elaborated
		fPair:              -2.3279, // pair
		fLastContent:       -1.0439, // last-content
	}
	eitherWeights = [nFeatures]float64{
		fBias:              -2.3312, // bias
		fFirst:             -0.4083, // first
		fLast:              0.0307,  // last
		fRelPos:            0.3620,  // relpos
		fRelPos2:           0.3227,  // relpos2
		fWeVerb:            0.0304,  // we-verb
		fPaperVerb:         0.0315,  // paper-verb
		fMethodCue:         0.1524,  // method-cue
		fResultCue:         0.2036,  // result-cue
		fNumber:            0.0825,  // number
		fNamed:             0.0508,  // named
		fBackground:        -0.1814, // background
		fLink:              -0.2827, // link
		fShort:             -0.0773, // short
		fLong:              -0.4851, // long
		fLogLen:            0.3601,  // loglen
		fInsight:           0.0679,  // insight
		fSpecifically:      -0.0134, // specifically
		fMechanism:         0.2669,  // mechanism
		fShow:              0.1116,  // show
		fFirstContrib:      0.2246,  // first-contrib
		fAfterContrib:      0.0166,  // after-contrib
		fBeforeContrib:     -0.4982, // before-contrib
		fWeOur:             0.3992,  // we-our
		fQuestion:          0.0060,  // question
		fContrast:          -0.0796, // contrast
		fNovel:             0.0724,  // novel
		fOutperform:        0.1700,  // outperform
		fExperiments:       0.2008,  // experiments
		fAim:               0.0687,  // aim
		fEnables:           -0.0940, // enables
		fDataset:           0.1417,  // dataset
		fComponent:         0.0616,  // component
		fNextContrib:       0.1242,  // next-contrib
		fFirstWe:           -0.0047, // first-we
		fBeforeResult:      -0.1849, // before-result
		fAfterNamed:        0.1557,  // after-named
		fSubject:           -0.0178, // subject
		fAfterShortContrib: 0.2031,  // after-short-contrib
		fLongContrib:       0.3379,  // long-contrib
		fNextElaborates:    0.0184,  // next-elaborates
		fPrevElaborated:    0.1660,  // prev-elaborated
		fPair:              -1.2948, // pair
		fLastContent:       0.2150,  // last-content
	}
)
