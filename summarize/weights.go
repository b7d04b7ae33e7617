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
		fFirst:             -1.4253, // first
		fLast:              -1.1892, // last
		fRelPos:            -0.1327, // relpos
		fRelPos2:           -1.5151, // relpos2
		fWeVerb:            0.2758,  // we-verb
		fPaperVerb:         0.7310,  // paper-verb
		fMethodCue:         -0.0167, // method-cue
		fResultCue:         -0.0563, // result-cue
		fNumber:            -0.2015, // number
		fNamed:             0.0966,  // named
		fBackground:        -0.2226, // background
		fLink:              -0.0342, // link
		fShort:             0.0245,  // short
		fLong:              -1.0766, // long
		fLogLen:            1.1012,  // loglen
		fInsight:           0.5246,  // insight
		fSpecifically:      -0.0605, // specifically
		fMechanism:         0.5563,  // mechanism
		fShow:              -0.2251, // show
		fFirstContrib:      -0.0501, // first-contrib
		fAfterContrib:      -0.2336, // after-contrib
		fBeforeContrib:     -0.8760, // before-contrib
		fWeOur:             1.1328,  // we-our
		fQuestion:          0.1120,  // question
		fContrast:          -0.2169, // contrast
		fNovel:             0.0079,  // novel
		fOutperform:        -0.4988, // outperform
		fExperiments:       -0.3202, // experiments
		fAim:               0.3407,  // aim
		fEnables:           -0.2400, // enables
		fDataset:           -0.1394, // dataset
		fComponent:         0.5356,  // component
		fNextContrib:       0.3754,  // next-contrib
		fFirstWe:           -0.0565, // first-we
		fBeforeResult:      -0.0702, // before-result
		fAfterNamed:        0.6941,  // after-named
		fSubject:           0.2418,  // subject
		fAfterShortContrib: 0.6112,  // after-short-contrib
		fLongContrib:       0.5557,  // long-contrib
		fNextElaborates:    0.3369,  // next-elaborates
		fPrevElaborated:    0.5898,  // prev-elaborated
		fPair:              -2.3396, // pair
	}
	eitherWeights = [nFeatures]float64{
		fBias:              -2.3389, // bias
		fFirst:             -0.4052, // first
		fLast:              0.1128,  // last
		fRelPos:            0.3844,  // relpos
		fRelPos2:           0.3591,  // relpos2
		fWeVerb:            0.0268,  // we-verb
		fPaperVerb:         0.0308,  // paper-verb
		fMethodCue:         0.1635,  // method-cue
		fResultCue:         0.2162,  // result-cue
		fNumber:            0.0885,  // number
		fNamed:             0.0513,  // named
		fBackground:        -0.1792, // background
		fLink:              -0.2942, // link
		fShort:             -0.0790, // short
		fLong:              -0.4841, // long
		fLogLen:            0.3681,  // loglen
		fInsight:           0.0666,  // insight
		fSpecifically:      -0.0143, // specifically
		fMechanism:         0.2615,  // mechanism
		fShow:              0.1222,  // show
		fFirstContrib:      0.2218,  // first-contrib
		fAfterContrib:      0.0094,  // after-contrib
		fBeforeContrib:     -0.5018, // before-contrib
		fWeOur:             0.4007,  // we-our
		fQuestion:          0.0060,  // question
		fContrast:          -0.0778, // contrast
		fNovel:             0.0720,  // novel
		fOutperform:        0.1819,  // outperform
		fExperiments:       0.2146,  // experiments
		fAim:               0.0684,  // aim
		fEnables:           -0.0950, // enables
		fDataset:           0.1471,  // dataset
		fComponent:         0.0606,  // component
		fNextContrib:       0.1198,  // next-contrib
		fFirstWe:           -0.0058, // first-we
		fBeforeResult:      -0.1949, // before-result
		fAfterNamed:        0.1519,  // after-named
		fSubject:           -0.0142, // subject
		fAfterShortContrib: 0.2029,  // after-short-contrib
		fLongContrib:       0.3349,  // long-contrib
		fNextElaborates:    0.0151,  // next-elaborates
		fPrevElaborated:    0.1645,  // prev-elaborated
		fPair:              -1.2865, // pair
	}
)
